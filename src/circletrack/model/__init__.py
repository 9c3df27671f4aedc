"""The records and what they mean: the declaration of every field (records), the date words users
type, each code's label in each language, an item's effective state derived from other items."""
