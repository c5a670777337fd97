"""Background jobs: work a web request queues in the jobs table (migration 0018) for the jobs worker to run, such as a
planner's upload to import. `queue` writes and reads the table, `worker` runs the jobs, `imports` is the import work,
`files` keeps a job's uploaded files until it ends, `reports` keeps an import's report as the job's result."""
