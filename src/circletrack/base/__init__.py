"""The foundation every layer stands on: text measured in terminal cells, typed errors and their
exit codes, the interface language."""
