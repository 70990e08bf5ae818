package io.fleetcontrol.fleetctl;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff (longest common subsequence) printed as unified-diff hunks: "@@ -a,b +c,d @@", then
 * " " kept, "-" only left, "+" only right, with a few unchanged lines of context around each change.
 * Policy files are a few hundred lines at most, so the quadratic table is fine.
 */
final class LineDiff {
  static final int CONTEXT = 3;

  private LineDiff() {}

  /** Every line of both sides, each marked " ", "-" or "+". */
  static List<String> diff(List<String> left, List<String> right) {
    int[][] common = new int[left.size() + 1][right.size() + 1];
    for (int i = left.size() - 1; i >= 0; i--) {
      for (int j = right.size() - 1; j >= 0; j--) {
        common[i][j] = left.get(i).equals(right.get(j))
            ? common[i + 1][j + 1] + 1
            : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < left.size() && j < right.size()) {
      if (left.get(i).equals(right.get(j))) {
        out.add(" " + left.get(i++));
        j++;
      } else if (common[i + 1][j] >= common[i][j + 1]) {
        out.add("-" + left.get(i++));
      } else {
        out.add("+" + right.get(j++));
      }
    }
    while (i < left.size()) {
      out.add("-" + left.get(i++));
    }
    while (j < right.size()) {
      out.add("+" + right.get(j++));
    }
    return out;
  }

  /** Only the changes and {@code context} lines around them, in hunks; empty when the sides are equal. */
  static List<String> unified(List<String> left, List<String> right, int context) {
    List<String> all = diff(left, right);
    List<String> out = new ArrayList<>();
    int n = all.size();
    int k = 0;
    // Line numbers (1-based) on each side of all.get(k).
    int leftLine = 1;
    int rightLine = 1;
    while (k < n) {
      int change = k;
      while (change < n && all.get(change).startsWith(" ")) {
        change++;
      }
      if (change == n) {
        break;
      }
      int start = Math.max(k, change - context);
      // Skip the unchanged lines before the hunk's start.
      leftLine += start - k;
      rightLine += start - k;
      // Extend the hunk while the next change is within 2 * context unchanged lines.
      int end = change;
      int lastChange = change;
      while (end < n) {
        if (!all.get(end).startsWith(" ")) {
          lastChange = end;
        } else if (end - lastChange > 2 * context) {
          break;
        }
        end++;
      }
      end = Math.min(n, lastChange + 1 + context);
      List<String> hunk = all.subList(start, end);
      long leftCount = hunk.stream().filter(l -> !l.startsWith("+")).count();
      long rightCount = hunk.stream().filter(l -> !l.startsWith("-")).count();
      out.add("@@ -" + range(leftLine, leftCount) + " +" + range(rightLine, rightCount) + " @@");
      out.addAll(hunk);
      leftLine += leftCount;
      rightLine += rightCount;
      k = end;
    }
    return out;
  }

  /** "3,7"; an empty side names the line before it, as diff -u does. */
  private static String range(int first, long count) {
    return count == 0 ? (first - 1) + ",0" : count == 1 ? String.valueOf(first) : first + "," + count;
  }
}
