LOG = "/tmp/cron.log"


def nightly():
    with open(LOG, "a", encoding="utf-8") as log:
        log.write("reports ran\n")
