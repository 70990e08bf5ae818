package io.fleetcontrol.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Snapshots of a device's state taken while it was {@code DeviceEntity$State}, thirteen fields in a
 * row, read as {@link DeviceState} with its parts, so an entity recovers from its snapshot and does
 * not replay its whole history. Bound to the old class name in reference.conf. A version that was a
 * bare number (before versions had their policy's name) takes the name of the target policy.
 */
public final class DeviceStateMigration extends JacksonMigration {

  static final String OLD_NAME = "io.fleetcontrol.device.DeviceEntity$State";

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    return OLD_NAME.equals(className) ? DeviceState.class.getName() : className;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode old) {
    if (old.has("policies")) {
      return old; // already the new shape
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode state = f.objectNode();
    if (old.path("identity").isObject()) {
      ObjectNode enrollment = state.putObject("enrollment");
      enrollment.set("identity", old.get("identity"));
      // Snapshots from before credentials were kept: as if reset (the next enrollment with a token takes the id).
      enrollment.set("credential", old.path("credential").isObject() ? old.get("credential")
          : f.objectNode().putNull("credentialHash").putNull("enrollmentIdHash").put("status", "RESET"));
      enrollment.set("enrollTime", old.get("enrollTime"));
    } else {
      state.putNull("enrollment");
    }
    JsonNode target = old.get("targetPolicy");
    String targetName = target != null && target.isObject() ? target.path("name").asText(null) : null;
    ObjectNode policies = state.putObject("policies");
    policies.set("target", target);
    policies.set("applied", version(old.get("appliedPolicyVersion"), targetName));
    policies.set("noticeAcknowledged", version(old.get("noticeAcknowledgedVersion"), targetName));
    policies.set("previous", old.get("previousPolicy"));
    ObjectNode pause = state.putObject("pause");
    pause.set("start", old.get("pauseStart"));
    pause.set("end", old.get("pauseEnd"));
    pause.set("quota", old.get("pauseQuota"));
    state.putObject("exemptions").set("all", old.path("exemptions").isArray() ? old.get("exemptions") : f.arrayNode());
    state.set("uploads", old.get("uploads"));
    state.putObject("taken").set("recent", old.path("recentRequests").isArray() ? old.get("recentRequests") : f.arrayNode());
    return state;
  }

  /** A version as a number (older snapshots) becomes (the target's name, number); 0 is none. */
  private static JsonNode version(JsonNode version, String targetName) {
    if (version == null || !version.isNumber()) {
      return version;
    }
    long number = version.asLong();
    return JsonNodeFactory.instance.objectNode()
        .put("policyName", number == 0 || targetName == null ? "" : targetName)
        .put("version", number);
  }
}
