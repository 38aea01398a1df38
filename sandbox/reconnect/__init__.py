"""A stand-in for Reconnect Pro's Symfony console (`php bin/console`), built on the standard library only.

`sandbox.reconnect_console` is the entry point; the modules here are its parts:

- `text`: display width, Symfony's markup tags (`<info>`, `<fg=…>`), ANSI colours, outputs;
- `style`: SymfonyStyle (`title`, `note`, `table`, `error`, …) and the table renderer;
- `inputs`: options and arguments, parsed the way Symfony's `ArgvInput` parses them;
- `application`: the Symfony `Application` (command lookup, `help`, `list`, error rendering);
- `store` / `scenario`: the SQLite data and the runbook's seeded scenario;
- `migration`: the targeting logic and the migration itself;
- `commands`: `app:migrate-individuals-to-other-organization` and `sandbox:seed`.
"""
