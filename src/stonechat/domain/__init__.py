"""Pure rules and types: names and keys, values, timestamps, ids, errors. No I/O."""
