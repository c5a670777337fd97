"""Open Referral UK: the UK profile of HSDS (the Human Services Data Specification), the open standard councils and
directories publish their services in, as API JSON or as a tabular data package of CSV files. `read` turns either
into rows for `assetmap.ingest.services.load_services` (through `mapping`, with the word lists of `vocab`), and HSDS
3.1's spare capacity into places with offers for `load_assets` (`capacity`, `terms`); `write` exports our services
and assets, and our offers as service capacities, as an HSDS 3.1 data package.
"""
