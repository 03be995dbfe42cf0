"""The order table, split by what each part holds (as Textualize/toolong splits a log file's
data from its view):

- `columns`: the columns, how wide each is at a given terminal width, and the text of a cell;
- `model`: the rows, selection, filter, sort and the visible order (no Textual: unit-tested
  without an app, and the live updates call it directly);
- `blocks`, `sorting`: the ordered sequence the model keeps and the sort keys behind it;
- `render`, `view`: the line-API widget that paints from the model.

An import-linter contract in pyproject.toml keeps Textual out of the first four.
"""
