package io.fleetcontrol.wire;

import io.fleetcontrol.policy.PolicyVersion;

/** A policy version (name and number) to and from fleet.v1; an absent message is {@link PolicyVersion#NONE}. */
public final class PolicyVersionWire {

  private PolicyVersionWire() {}

  public static io.fleetcontrol.proto.v1.PolicyVersion toProto(PolicyVersion version) {
    return io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
        .setPolicyName(version.policyName())
        .setVersion(version.version())
        .build();
  }

  public static PolicyVersion fromProto(io.fleetcontrol.proto.v1.PolicyVersion version) {
    return new PolicyVersion(version.getPolicyName(), version.getVersion());
  }
}
