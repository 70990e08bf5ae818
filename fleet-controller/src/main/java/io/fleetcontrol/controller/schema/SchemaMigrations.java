package io.fleetcontrol.controller.schema;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Cassandra schema as numbered CQL migrations ({@code deploy/cassandra/schema}, on the
 * classpath under {@code schema/}), rendered with this deployment's keyspaces and replication. Which
 * were applied, with the SHA-256 of each file, is recorded in {@code <read keyspace>.schema_versions}.
 * Pure: {@link SchemaApplier} runs the statements.
 */
public final class SchemaMigrations {

  /** A migration that cannot be applied or a schema that does not match the files; the message says what to do. */
  public static final class Problem extends RuntimeException {
    public Problem(String message) {
      super(message);
    }
  }

  /** One file: {@code NNN-name.cql}. */
  public record Migration(int version, String name, String text) {
    public String checksum() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    @Override
    public String toString() {
      return String.format("%03d-%s", version, name);
    }
  }

  /** What fills the files' {@code ${name}} parameters. */
  public record Parameters(String journalKeyspace, String snapshotKeyspace, String readKeyspace,
      Map<String, Integer> replicasPerDatacenter) {

    // Lower case only: CQL folds an unquoted name to lower case, and system_schema is searched as written.
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Pattern DATACENTER = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

    public Parameters {
      for (String keyspace : List.of(journalKeyspace, snapshotKeyspace, readKeyspace)) {
        if (!NAME.matcher(keyspace).matches()) {
          throw new Problem("a keyspace name is lower-case letters, digits and _ (at most 48, a letter first), not \""
              + keyspace + "\"");
        }
      }
      if (replicasPerDatacenter.isEmpty()) {
        throw new Problem("fleet.schema.replication (FLEET_CASSANDRA_REPLICATION) names no datacenter");
      }
      replicasPerDatacenter = Map.copyOf(replicasPerDatacenter);
    }

    /**
     * From the controller's settings: the keyspaces the journal, snapshot store and read side use,
     * and {@code fleet.schema.replication}. The projections' offsets live in the read keyspace.
     */
    public static Parameters fromConfig(Config config) {
      String read = config.getString("fleet.read-side.keyspace");
      String offsets = config.getString("pekko.projection.cassandra.offset-store.keyspace");
      if (!offsets.equals(read)) {
        throw new Problem("pekko.projection.cassandra.offset-store.keyspace (" + offsets
            + ") must be the read side's keyspace, fleet.read-side.keyspace (" + read + ")");
      }
      String replication = config.getString("fleet.schema.replication");
      if (replication.isBlank()) {
        // One replica in the datacenter the driver calls local: a laptop or a test.
        replication = config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter") + ":1";
      }
      return new Parameters(config.getString("pekko.persistence.cassandra.journal.keyspace"),
          config.getString("pekko.persistence.cassandra.snapshot.keyspace"), read, replication(replication));
    }

    /** {@code "dc1:3,dc2:3"}: replicas per datacenter. */
    static Map<String, Integer> replication(String setting) {
      Map<String, Integer> replicas = new LinkedHashMap<>();
      for (String entry : setting.split(",")) {
        String[] parts = entry.trim().split(":");
        if (parts.length != 2 || !DATACENTER.matcher(parts[0].trim()).matches()
            || !parts[1].trim().matches("[1-9]")) {
          throw new Problem("fleet.schema.replication (FLEET_CASSANDRA_REPLICATION) is \"datacenter:replicas\" "
              + "per datacenter, comma-separated, replicas 1-9 (e.g. dc1:3,dc2:3); \"" + entry.trim() + "\" is not");
        }
        if (replicas.put(parts[0].trim(), Integer.parseInt(parts[1].trim())) != null) {
          throw new Problem("fleet.schema.replication names datacenter " + parts[0].trim() + " twice");
        }
      }
      return replicas;
    }

    Map<String, String> values() {
      String replication = replicasPerDatacenter.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .map(e -> "'" + e.getKey() + "': " + e.getValue())
          .collect(Collectors.joining(", "));
      return Map.of("journal_keyspace", journalKeyspace, "snapshot_keyspace", snapshotKeyspace,
          "read_keyspace", readKeyspace, "replication", replication);
    }
  }

  private static final Pattern FILE = Pattern.compile("(\\d{3})-([a-z0-9-]+)\\.cql");
  private static final Pattern PARAMETER = Pattern.compile("\\$\\{([a-z_]+)}");

  private final List<Migration> migrations;
  private final Parameters parameters;

  public SchemaMigrations(List<Migration> migrations, Parameters parameters) {
    for (int i = 0; i < migrations.size(); i++) {
      if (migrations.get(i).version() != i + 1) {
        throw new Problem("schema migrations are numbered from 001 without gaps or repeats; found "
            + migrations.stream().map(Migration::toString).toList());
      }
    }
    this.migrations = List.copyOf(migrations);
    this.parameters = parameters;
  }

  /** The migrations on the classpath, rendered with the settings of {@code config}. */
  public static SchemaMigrations fromConfig(Config config) {
    return new SchemaMigrations(onClasspath(), Parameters.fromConfig(config));
  }

  public List<Migration> migrations() {
    return migrations;
  }

  public Parameters parameters() {
    return parameters;
  }

  /** The statements of one migration, parameters filled, in file order. */
  public List<String> statements(Migration migration) {
    String withoutComments = migration.text().lines()
        .filter(line -> !line.strip().startsWith("--"))
        .collect(Collectors.joining("\n"));
    Map<String, String> values = parameters.values();
    List<String> statements = new ArrayList<>();
    for (String statement : withoutComments.split(";")) {
      if (statement.isBlank()) {
        continue;
      }
      Matcher parameter = PARAMETER.matcher(statement.strip());
      StringBuilder rendered = new StringBuilder();
      while (parameter.find()) {
        String value = values.get(parameter.group(1));
        if (value == null) {
          throw new Problem("migration " + migration + " names parameter ${" + parameter.group(1)
              + "}, which is not one of " + values.keySet().stream().sorted().toList());
        }
        parameter.appendReplacement(rendered, Matcher.quoteReplacement(value));
      }
      parameter.appendTail(rendered);
      statements.add(rendered.toString());
    }
    return statements;
  }

  /** The statement that records {@code migration} as applied {@code at}. */
  public SimpleStatement record(Migration migration, Instant at) {
    return SimpleStatement.newInstance("INSERT INTO " + parameters.readKeyspace()
            + ".schema_versions (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
        migration.version(), migration.name(), migration.checksum(), at);
  }

  public String appliedQuery() {
    return "SELECT version, checksum FROM " + parameters.readKeyspace() + ".schema_versions";
  }

  /**
   * The migrations not yet applied, given the checksums recorded per version. A recorded migration
   * whose file changed since is refused: migrations are never edited. Versions this release does not
   * know (a newer release applied them) are fine: migrations only add.
   */
  public List<Migration> pending(Map<Integer, String> appliedChecksums) {
    List<Migration> pending = new ArrayList<>();
    for (Migration migration : migrations) {
      String recorded = appliedChecksums.get(migration.version());
      if (recorded == null) {
        pending.add(migration);
      } else if (!recorded.equals(migration.checksum())) {
        throw new Problem("migration " + migration + " was applied with different text (SHA-256 " + recorded
            + "): a released migration is never edited; restore it and put the change in a new file");
      }
    }
    return pending;
  }

  /** The files under {@code schema/} on the classpath, from a folder (builds, tests) or a jar. */
  static List<Migration> onClasspath() {
    var url = SchemaMigrations.class.getResource("/schema");
    if (url == null) {
      throw new Problem("no schema/ on the classpath: this build lacks deploy/cassandra/schema");
    }
    try {
      URI uri = url.toURI();
      if (!"jar".equals(uri.getScheme())) {
        return read(Path.of(uri));
      }
      FileSystem jar;
      try {
        jar = FileSystems.getFileSystem(uri);
      } catch (FileSystemNotFoundException e) {
        jar = FileSystems.newFileSystem(uri, Map.of());
      }
      return read(jar.provider().getPath(uri));
    } catch (URISyntaxException | IOException e) {
      throw new Problem("cannot read the schema migrations at " + url + ": " + e);
    }
  }

  /** The {@code NNN-name.cql} files of a folder, in order of their numbers. */
  public static List<Migration> read(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      List<Migration> found = new ArrayList<>();
      for (Path file : files.sorted().toList()) {
        String fileName = file.getFileName().toString();
        if (!fileName.endsWith(".cql")) {
          continue;
        }
        Matcher name = FILE.matcher(fileName);
        if (!name.matches()) {
          throw new Problem("schema file " + fileName + " is not named NNN-what-it-does.cql");
        }
        found.add(new Migration(Integer.parseInt(name.group(1)), name.group(2),
            Files.readString(file, StandardCharsets.UTF_8)));
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
  }
}
