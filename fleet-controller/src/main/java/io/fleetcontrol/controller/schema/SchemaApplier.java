package io.fleetcontrol.controller.schema;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.controller.schema.SchemaMigrations.Migration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Runs {@link SchemaMigrations} against Cassandra: applies the pending ones in order (the dev
 * profile at start, {@code fleet-controller schema apply} elsewhere), or checks that none is
 * pending (a controller outside dev mode, which never creates tables).
 */
public final class SchemaApplier {

  private final CassandraSession session;
  private final SchemaMigrations schema;
  private final Clock clock;

  public SchemaApplier(CassandraSession session, SchemaMigrations schema, Clock clock) {
    this.session = session;
    this.schema = schema;
    this.clock = clock;
  }

  /**
   * Applies every pending migration, one statement at a time (Cassandra has no transactional DDL;
   * every statement is idempotent, so one interrupted half-way is applied again whole), and records
   * each once all its statements are done. {@code applied} hears each as it is recorded.
   */
  public CompletionStage<List<Migration>> apply(Consumer<Migration> applied) {
    return appliedChecksums().thenCompose(checksums -> {
      List<Migration> pending = schema.pending(checksums);
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (Migration migration : pending) {
        for (String statement : schema.statements(migration)) {
          chain = chain.thenCompose(done -> session.executeDDL(statement));
        }
        chain = chain
            .thenCompose(done -> session.executeWrite(quorum(schema.record(migration, clock.instant()))))
            .thenApply(done -> {
              applied.accept(migration);
              return done;
            });
      }
      return chain.thenApply(done -> pending);
    });
  }

  /**
   * Completes when no migration is pending and the journal's, snapshots' and read side's main tables
   * are where this node's settings look for them (the versions are recorded in the read keyspace
   * only, so a journal keyspace renamed since would pass otherwise); else fails with a {@link
   * SchemaMigrations.Problem} that names what is missing.
   */
  public CompletionStage<Done> requireApplied() {
    String howToApply = ": apply deploy/cassandra/schema with `fleet-controller schema apply` and this node's settings "
        + "(Kubernetes: deploy/k8s/schema-job.yaml) before starting controllers; outside dev mode a controller never "
        + "creates tables";
    return appliedChecksums().thenCompose(checksums -> {
      List<Migration> pending = schema.pending(checksums);
      if (!pending.isEmpty()) {
        throw new SchemaMigrations.Problem("the Cassandra schema lacks migrations " + pending
            + " (keyspace " + schema.parameters().readKeyspace() + ")" + howToApply);
      }
      var p = schema.parameters();
      CompletionStage<List<String>> missing = CompletableFuture.completedFuture(new ArrayList<>());
      for (List<String> table : List.of(List.of(p.journalKeyspace(), "messages"), List.of(p.journalKeyspace(), "tag_views"),
          List.of(p.snapshotKeyspace(), "snapshots"), List.of(p.readKeyspace(), "offset_store"),
          List.of(p.readKeyspace(), "devices"))) {
        missing = missing.thenCompose(found -> session.selectOne(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
                table.get(0), table.get(1))
            .thenApply(row -> {
              if (row.isEmpty()) {
                found.add(String.join(".", table));
              }
              return found;
            }));
      }
      return missing.thenApply(tables -> {
        if (!tables.isEmpty()) {
          throw new SchemaMigrations.Problem("the Cassandra schema has no table " + String.join(", ", tables)
              + howToApply);
        }
        return Done.getInstance();
      });
    });
  }

  /** The recorded checksum per applied version; none before the first migration made the table. */
  public CompletionStage<Map<Integer, String>> appliedChecksums() {
    return session.selectOne("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
            schema.parameters().readKeyspace(), "schema_versions")
        .thenCompose(table -> table.isEmpty()
            ? CompletableFuture.completedFuture(Map.<Integer, String>of())
            : session.selectAll(quorum(SimpleStatement.newInstance(schema.appliedQuery()))).thenApply(rows -> {
              Map<Integer, String> checksums = new HashMap<>();
              rows.forEach(row -> checksums.put(row.getInt("version"), row.getString("checksum")));
              return checksums;
            }));
  }

  /**
   * The record of versions is written and read by a majority of the local replicas, so a node never
   * refuses to start (or applies again) because one replica had not heard of the Job's work yet.
   */
  private static SimpleStatement quorum(SimpleStatement statement) {
    return statement.setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM);
  }

  /** The pending migrations, for {@code schema status}. */
  public CompletionStage<List<Migration>> pending() {
    return appliedChecksums().thenApply(schema::pending);
  }
}
