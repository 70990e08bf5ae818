package io.fleetcontrol.fleetctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns separated by spaces, kubectl style, so {@code awk '{print $1}'} works. */
final class Table {
  private static final String GAP = "   ";
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... headers) {
    columns = headers.length;
    rows.add(headers);
  }

  /**
   * Empty or null cells print as "-" so every row has the same number of fields; cells are escaped
   * here (not only by the output's writer) so that widths count what is printed.
   */
  Table row(String... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
    }
    String[] row = new String[columns];
    for (int i = 0; i < columns; i++) {
      // A cell is one line: a line break in it would print a row of the sender's making.
      row[i] = cells[i] == null || cells[i].isEmpty() ? "-" : io.fleetcontrol.wire.SafeText.escape(cells[i]);
    }
    rows.add(row);
    return this;
  }

  void print(PrintWriter out, String indent) {
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < columns; i++) {
        line.append(i == columns - 1 ? row[i] : String.format("%-" + widths[i] + "s", row[i]) + GAP);
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
