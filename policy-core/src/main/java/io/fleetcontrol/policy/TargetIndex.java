package io.fleetcontrol.policy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An allowlist or denylist indexed for the gate's hot path. App ids and exact hosts are found by
 * one hash probe, wildcards by one probe per parent domain of the host, never by a scan of the
 * list. Each key keeps, per capture kind, the position of the first entry that covers the kind.
 */
final class TargetIndex {

  static final int NO_MATCH = -1;
  private static final int KINDS = CaptureKind.values().length;

  private final Map<String, int[]> apps = new HashMap<>();
  private final Map<String, int[]> exactSites = new HashMap<>();
  /** "*.example.com" is kept under "example.com"; it matches strict subdomains only. */
  private final Map<String, int[]> wildcardSites = new HashMap<>();

  TargetIndex(List<TargetRule> rules) {
    for (int i = 0; i < rules.size(); i++) {
      TargetRule rule = rules.get(i);
      if (rule.pattern() == null) {
        continue; // refused by PolicyValidator; matches nothing here
      }
      String pattern = normaliseHost(rule.pattern());
      if (rule.type() == TargetRule.TargetType.APP) {
        add(apps, rule.pattern().toLowerCase(Locale.ROOT), rule, i);
      } else if (pattern.startsWith("*.")) {
        add(wildcardSites, pattern.substring(2), rule, i);
      } else {
        add(exactSites, pattern, rule, i);
      }
    }
  }

  private static void add(Map<String, int[]> map, String key, TargetRule rule, int position) {
    int[] byKind = map.computeIfAbsent(key, k -> newEmpty());
    for (CaptureKind kind : CaptureKind.values()) {
      if (byKind[kind.ordinal()] == NO_MATCH && rule.coversKind(kind)) {
        byKind[kind.ordinal()] = position;
      }
    }
  }

  private static int[] newEmpty() {
    int[] byKind = new int[KINDS];
    Arrays.fill(byKind, NO_MATCH);
    return byKind;
  }

  /**
   * The list position of an entry that matches the request's target and covers its kind, or
   * {@link #NO_MATCH}. An app id is looked up among APP entries only, a host among SITE entries.
   */
  int match(CaptureRequest request) {
    int kind = request.kind().ordinal();
    if (request.appId() != null) {
      return at(apps.get(request.appId().toLowerCase(Locale.ROOT)), kind);
    }
    if (request.siteHost() == null) {
      return NO_MATCH;
    }
    String host = normaliseHost(request.siteHost());
    int exact = at(exactSites.get(host), kind);
    if (exact != NO_MATCH || wildcardSites.isEmpty()) {
      return exact;
    }
    // a.b.example.com is covered by *.b.example.com, *.example.com and *.com, nearest first.
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      int wildcard = at(wildcardSites.get(host.substring(dot + 1)), kind);
      if (wildcard != NO_MATCH) {
        return wildcard;
      }
    }
    return NO_MATCH;
  }

  private static int at(int[] byKind, int kind) {
    return byKind == null ? NO_MATCH : byKind[kind];
  }

  /** Host names compare without case and without the root's trailing dot ("Example.COM."). */
  static String normaliseHost(String host) {
    String lower = host.toLowerCase(Locale.ROOT); // returns the same string when already lower case
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }
}
