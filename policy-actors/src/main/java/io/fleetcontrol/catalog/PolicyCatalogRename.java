package io.fleetcontrol.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The catalog's package was {@code io.fleetcontrol.policyregistry}: its events and snapshots already
 * in the journal name the old classes. This reads them as the same classes under the new name; the
 * fields are unchanged. Bound in reference.conf under {@code pekko.serialization.jackson.migrations}.
 */
public final class PolicyCatalogRename extends JacksonMigration {

  static final String OLD_PACKAGE = "io.fleetcontrol.policyregistry.";

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    return className.startsWith(OLD_PACKAGE)
        ? PolicyCatalogRename.class.getPackageName() + "." + className.substring(OLD_PACKAGE.length())
        : className;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
