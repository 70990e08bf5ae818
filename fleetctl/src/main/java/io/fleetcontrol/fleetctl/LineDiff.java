package io.fleetcontrol.fleetctl;

import java.util.ArrayList;
import java.util.List;

/** A plain line diff (longest common subsequence): " " kept, "-" only left, "+" only right. */
final class LineDiff {

  private LineDiff() {}

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
}
