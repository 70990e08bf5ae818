package io.fleetcontrol.policy;

import java.util.Comparator;

/**
 * One version of one policy: {@code engineering} v3. A version number alone means nothing across
 * policies (every policy starts at v1), so this pair is what devices apply, ack, and are counted
 * and filtered by.
 */
public record PolicyVersion(String policyName, long version) implements Comparable<PolicyVersion> {

  private static final Comparator<PolicyVersion> ORDER =
      Comparator.comparing(PolicyVersion::policyName).thenComparingLong(PolicyVersion::version);

  /** No policy applied (or none targeted) yet. */
  public static final PolicyVersion NONE = new PolicyVersion("", 0);

  public PolicyVersion {
    policyName = policyName == null ? "" : policyName;
  }

  /** This version with its name {@link SharedStrings}, for one that a device's state or row keeps. */
  public PolicyVersion shared() {
    String name = SharedStrings.of(policyName);
    return name == policyName ? this : new PolicyVersion(name, version);
  }

  /**
   * Whether a notice acknowledged for this version covers {@code policy}: the same policy, at
   * that version or a later one (a new version's notice is read again; another policy's always).
   */
  public boolean covers(PolicyVersion policy) {
    return policyName.equals(policy.policyName) && version >= policy.version;
  }

  public boolean isNone() {
    return version == 0 && policyName.isEmpty();
  }

  /** "engineering v3", or "none". */
  @Override
  public String toString() {
    return isNone() ? "none" : policyName + " v" + version;
  }

  @Override
  public int compareTo(PolicyVersion other) {
    return ORDER.compare(this, other);
  }
}
