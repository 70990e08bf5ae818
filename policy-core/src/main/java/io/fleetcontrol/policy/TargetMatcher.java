package io.fleetcontrol.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A list of target rules indexed for the gate's hot path: app ids and exact hosts by hash, and
 * wildcard patterns by their suffix, so a lookup costs a few hash probes, not a scan of the list.
 */
final class TargetMatcher {

  private final Map<String, List<TargetRule>> apps = new HashMap<>();
  private final Map<String, List<TargetRule>> exactSites = new HashMap<>();
  /** "*.example.com" is stored under "example.com" and matches strict subdomains only. */
  private final Map<String, List<TargetRule>> wildcardSites = new HashMap<>();

  TargetMatcher(List<TargetRule> rules) {
    for (TargetRule rule : rules) {
      String pattern = rule.pattern().toLowerCase(Locale.ROOT);
      if (rule.type() == TargetRule.TargetType.APP) {
        apps.computeIfAbsent(pattern, k -> new ArrayList<>(1)).add(rule);
      } else if (pattern.startsWith("*.")) {
        wildcardSites.computeIfAbsent(pattern.substring(2), k -> new ArrayList<>(1)).add(rule);
      } else {
        exactSites.computeIfAbsent(pattern, k -> new ArrayList<>(1)).add(rule);
      }
    }
  }

  /** The first rule that matches the request's target and covers its kind, or null. */
  TargetRule match(CaptureRequest request) {
    if (request.appId() != null) {
      return covering(apps.get(request.appId().toLowerCase(Locale.ROOT)), request.kind());
    }
    if (request.siteHost() == null) {
      return null;
    }
    String host = normalise(request.siteHost());
    TargetRule exact = covering(exactSites.get(host), request.kind());
    if (exact != null || wildcardSites.isEmpty()) {
      return exact;
    }
    // Walk up the parent domains: a.b.example.com -> b.example.com -> example.com -> com.
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      TargetRule wildcard = covering(wildcardSites.get(host.substring(dot + 1)), request.kind());
      if (wildcard != null) {
        return wildcard;
      }
    }
    return null;
  }

  private static String normalise(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  private static TargetRule covering(List<TargetRule> rules, CaptureKind kind) {
    if (rules == null) {
      return null;
    }
    for (TargetRule rule : rules) {
      if (rule.coversKind(kind)) {
        return rule;
      }
    }
    return null;
  }
}
