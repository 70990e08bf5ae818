package io.fleetcontrol.fleetctl;

import io.fleetcontrol.wire.PolicyVersionWire;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.wire.WireTime;
import java.util.Map;

/**
 * A device as {@code devices get} lists it in a terminal, one "key: value" line each: the proto's
 * field names, states as the CLI's short words, times as ISO-8601. {@code -o json|yaml} print the
 * whole message instead ({@link StructuredOutput}).
 */
final class Views {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Views() {}

  static ObjectNode device(Device device) {
    ObjectNode node = NODES.objectNode();
    node.put("device_id", device.getDeviceId());
    node.put("owner", device.getOwner());
    node.put("jurisdiction", device.getJurisdiction());
    ObjectNode labels = node.putObject("labels");
    device.getLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(label -> labels.put(label.getKey(), label.getValue()));
    node.put("connection_state", StateNames.of(device.getConnectionState()));
    node.put("capture_state", StateNames.of(device.getCaptureState()));
    node.put("capture_state_reason", device.getCaptureStateReason());
    node.putObject("applied_policy")
        .put("policy_name", device.getAppliedPolicy().getPolicyName())
        .put("version", device.getAppliedPolicy().getVersion());
    node.putObject("target_policy")
        .put("policy_name", device.getTargetPolicy().getPolicyName())
        .put("version", device.getTargetPolicy().getVersion());
    node.put("last_seen_time", isoTime(device.hasLastSeenTime(), device.getLastSeenTime()));
    node.put("enroll_time", isoTime(device.hasEnrollTime(), device.getEnrollTime()));
    node.put("agent_version", device.getAgentVersion());
    node.put("time_zone", device.getTimeZone());
    if (device.getIdentityState() != io.fleetcontrol.proto.v1.IdentityState.IDENTITY_STATE_UNSPECIFIED) {
      // GetDevice only: active, reset or revoked.
      node.put("identity_state", device.getIdentityState().name().substring("IDENTITY_STATE_".length())
          .toLowerCase(java.util.Locale.ROOT));
    }
    return node;
  }

  /** Null (printed as "-") when the field is unset, rather than 1970-01-01. */
  static String isoTime(boolean present, Timestamp timestamp) {
    return present ? WireTime.fromProto(timestamp).toString() : null;
  }

  /** "engineering v3", or "none". */
  static String policy(io.fleetcontrol.proto.v1.PolicyVersion version) {
    return PolicyVersionWire.fromProto(version).toString();
  }

  /** What a device runs: "engineering v3", or "default v1 -> engineering v3" while it has not applied its target. */
  static String policy(Device device) {
    String applied = policy(device.getAppliedPolicy());
    String target = policy(device.getTargetPolicy());
    return applied.equals(target) ? applied : applied + " -> " + target;
  }
}
