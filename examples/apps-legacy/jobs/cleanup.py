LOG = "/tmp/cron.log"


def run():
    with open(LOG, "a", encoding="utf-8") as log:
        log.write("cleanup ran\n")
