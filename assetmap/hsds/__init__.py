"""Open Referral UK: the UK profile of HSDS 3.0 (the Human Services Data Specification), the open standard councils and
directories publish their services in, as API JSON or as a tabular data package of CSV files. `read` turns either
into rows for `assetmap.ingest.services.load_services` (through `mapping`, with the word lists of `vocab`);
`write` exports our services and assets as an HSDS 3.0 data package.
"""
