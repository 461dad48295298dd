class Registry:
    """Lists the cron entrypoints of the `reports` service and their schedules."""

    def get_crons(self):
        return [("jobs.reports:nightly", "* * * * *")]


registry = Registry()
