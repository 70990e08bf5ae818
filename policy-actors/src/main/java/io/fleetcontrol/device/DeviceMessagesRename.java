package io.fleetcontrol.device;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * A device's events and commands were classes nested in {@code DeviceEntity}: the journal names the
 * events so, and a node of the previous release sends the commands so during a rolling upgrade. This
 * reads them as the same records nested in {@link DeviceEvent} and {@link DeviceCommand}; the fields
 * are unchanged. Bound per old class name in reference.conf under
 * {@code pekko.serialization.jackson.migrations}. (A node of the previous release cannot read the new
 * names: during a rolling upgrade, commands from new nodes to old ones fail until the old are gone.)
 * Snapshots of the old {@code DeviceEntity$State}: {@link DeviceStateMigration}.
 */
public final class DeviceMessagesRename extends JacksonMigration {

  static final String OLD_PREFIX = "io.fleetcontrol.device.DeviceEntity$";

  private static final Set<String> COMMANDS = Arrays.stream(DeviceCommand.class.getDeclaredClasses())
      .map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    if (!className.startsWith(OLD_PREFIX)) {
      return className;
    }
    String name = className.substring(OLD_PREFIX.length());
    return (COMMANDS.contains(name) ? DeviceCommand.class : DeviceEvent.class).getName() + "$" + name;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
