"""The registry shared through git: the three-way merge (git's merge driver) and its setup."""
