package io.fleetcontrol.policy;

import java.util.EnumSet;
import java.util.Set;

/**
 * One allowlist or denylist entry: an application id or a site host pattern ("example.com" or
 * "*.example.com"), and the kinds it covers (empty: every kind).
 */
public record TargetRule(TargetType type, String pattern, Set<CaptureKind> kinds) {

  public enum TargetType {
    APP,
    SITE
  }

  public TargetRule {
    kinds = kinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(kinds));
  }

  public static TargetRule app(String appId, CaptureKind... kinds) {
    return new TargetRule(TargetType.APP, appId, Set.of(kinds));
  }

  public static TargetRule site(String pattern, CaptureKind... kinds) {
    return new TargetRule(TargetType.SITE, pattern, Set.of(kinds));
  }

  public boolean coversKind(CaptureKind kind) {
    return kinds.isEmpty() || kinds.contains(kind);
  }
}
