package io.fleetcontrol.device;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * A device's events were classes nested in {@code DeviceEntity}; the journal names them so. This
 * reads them as the same records nested in {@link DeviceEvent}; the fields are unchanged. Bound per
 * old class name in reference.conf under {@code pekko.serialization.jackson.migrations}.
 *
 * <p>Snapshots of the old {@code DeviceEntity$State} are not migrated: the state's shape changed, and
 * since no device event is ever deleted, the snapshot store is set to treat a snapshot that does not
 * read as absent ({@code snapshot-is-optional}) and the entity replays its events instead.
 */
public final class DeviceEventRename extends JacksonMigration {

  static final String OLD_PREFIX = "io.fleetcontrol.device.DeviceEntity$";
  static final String NEW_PREFIX = DeviceEvent.class.getName() + "$";

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    return className.startsWith(OLD_PREFIX) ? NEW_PREFIX + className.substring(OLD_PREFIX.length()) : className;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
