package io.fleetcontrol.build;

import io.fleetcontrol.proto.v1.AdminServiceProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * What this build is: its version and the API it speaks. The controller and fleetctl both read it
 * here, so {@code fleetctl version} compares like with like.
 *
 * <p>The version comes from {@code fleet-build.properties}, which Maven's resource filtering writes
 * from the pom: it is right in tests run from {@code target/classes} too, where a jar manifest's
 * Implementation-Version does not exist. Every module has the parent pom's version, so this module's
 * is the controller's and fleetctl's.
 *
 * @param version the build's Maven version, e.g. "0.3.0" or "0.3.0-SNAPSHOT"
 * @param apiVersion the protobuf package of the API, e.g. "fleet.v1"
 */
public record BuildInfo(String version, String apiVersion) {

  static final String RESOURCE = "fleet-build.properties";

  private static BuildInfo current;

  /** This build's; read once. An IllegalStateException says the build lost or did not filter the file. */
  public static synchronized BuildInfo current() {
    if (current == null) {
      try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
        current = read(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + RESOURCE, e);
      }
    }
    return current;
  }

  /** The build described by {@code in}, the properties file's bytes (null when there is none). */
  static BuildInfo read(InputStream in) throws IOException {
    if (in == null) {
      throw new IllegalStateException(RESOURCE + " is not on the class path: the build left it out");
    }
    Properties properties = new Properties();
    properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    String version = properties.getProperty("version", "").strip();
    // An unfiltered file still says "${project.version}": a build that skipped process-resources.
    if (version.isEmpty() || version.contains("${")) {
      throw new IllegalStateException(RESOURCE + " has no version (\"" + version
          + "\"): it was not filtered by Maven's process-resources");
    }
    return new BuildInfo(version, AdminServiceProto.getDescriptor().getPackage());
  }
}
