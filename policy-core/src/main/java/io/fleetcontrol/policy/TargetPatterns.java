package io.fleetcontrol.policy;

import java.util.regex.Pattern;

/** What makes an allowlist or denylist pattern well-formed, with the problem in plain words. */
final class TargetPatterns {

  static final int MAX_APP_ID = 255;
  static final int MAX_HOST = 253;
  static final int MAX_LABEL = 63;

  private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_APP_ID + "}");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

  private TargetPatterns() {}

  /** Null when the app id is well-formed, else what is wrong with it. */
  static String appIdProblem(String appId) {
    if (appId == null || appId.isEmpty()) {
      return "an app id must not be empty";
    }
    return APP_ID.matcher(appId).matches() ? null
        : quote(appId) + " is not an app id: 1 to " + MAX_APP_ID + " characters of A-Z, a-z, 0-9, '.', '_' and '-'";
  }

  /**
   * Null when {@code pattern} is a host name ("example.com") or a wildcard over its subdomains
   * ("*.example.com"), else what is wrong with it.
   */
  static String sitePatternProblem(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      return "a site pattern must not be empty";
    }
    String shown = quote(pattern);
    if (pattern.contains("://")) {
      return shown + " has a scheme: write the host name only, such as example.com";
    }
    if (pattern.chars().anyMatch(Character::isWhitespace)) {
      return shown + " contains a space";
    }
    if (pattern.indexOf('/') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('#') >= 0) {
      return shown + " has a path or query: write the host name only, such as example.com";
    }
    if (pattern.indexOf(':') >= 0) {
      return shown + " has a port: write the host name only, such as example.com";
    }
    String host = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
    if (host.indexOf('*') >= 0) {
      return shown + " has a wildcard other than a leading '*.' (as in *.example.com)";
    }
    if (host.length() > MAX_HOST) {
      return shown + " is longer than " + MAX_HOST + " characters";
    }
    if (host.indexOf('.') < 0) {
      return shown + " needs at least one dot (example.com, not example)";
    }
    for (String label : host.split("\\.", -1)) {
      String problem = labelProblem(label);
      if (problem != null) {
        return shown + " " + problem;
      }
    }
    return null;
  }

  private static String labelProblem(String label) {
    if (label.isEmpty()) {
      return "has an empty label (a leading, trailing or double dot)";
    }
    if (label.length() > MAX_LABEL) {
      return "has a label longer than " + MAX_LABEL + " characters";
    }
    if (!LABEL.matcher(label).matches()) {
      return "has the label " + quote(label) + ": use a-z, 0-9 and '-' (lower case), not at either end";
    }
    return null;
  }

  /** The value in quotes, cut short so a 10 kB mistake does not flood the error. */
  static String quote(String value) {
    return "\"" + (value.length() > 80 ? value.substring(0, 77) + "..." : value) + "\"";
  }
}
