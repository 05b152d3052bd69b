"""The command-center domain, free of Home Assistant imports.

- `errors`: the error classes and `ErrorKey` (translation keys) plus small field checks.
- `agencies`, `sites`, `cameras`, `operators`, `grants`: the records, each validating itself.
- `registry`: the `Registry` aggregate holding them, its mutations, listeners and storage
  format (`STORAGE_VERSION`, `migrate`).
- `permissions`: `authorize` / `require`, the one place deciding who may do what, and
  `visible_cameras` / `privileges_for` for the UI.
- `inventory`: bulk import and export of agencies, sites and cameras as CSV or YAML.
- `geo`: camera locations and `cameras_near`.
"""
