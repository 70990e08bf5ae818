package io.fleetcontrol.controller.schema;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * {@code fleet-controller schema apply|status}: the operator's step that makes or checks the
 * Cassandra schema (the Kubernetes Job runs {@code apply} before controllers roll), with the
 * controller's own settings, so the keyspaces are those the nodes will use.
 */
public final class SchemaTool {

  public static final String USAGE = "usage: fleet-controller schema apply|status\n"
      + "  apply   apply the pending migrations of deploy/cassandra/schema, in order (exit 0; 1 if Cassandra failed)\n"
      + "  status  list applied and pending migrations (exit 0 when none is pending, 1 when some are)";
  private static final long TIMEOUT_SECONDS = 180;

  private SchemaTool() {}

  /** Runs one command and returns the process's exit code: 0 done, 1 pending or failed, 2 usage or settings. */
  public static int run(List<String> args, Config config, PrintStream out, PrintStream err) {
    if (args.size() != 1 || !List.of("apply", "status").contains(args.get(0))) {
      err.println("fleet-controller: " + (args.isEmpty() ? "schema needs a command" : "unknown schema command " + args));
      err.println(USAGE);
      return 2;
    }
    SchemaMigrations schema;
    try {
      schema = SchemaMigrations.fromConfig(config.resolve());
    } catch (SchemaMigrations.Problem | com.typesafe.config.ConfigException e) {
      err.println("fleet-controller: " + e.getMessage());
      return 2;
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleet-schema",
        ConfigFactory.parseString("pekko.actor.provider = local").withFallback(config).resolve());
    try {
      var applier = new SchemaApplier(CassandraSessionRegistry.get(system)
          .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config")),
          schema, Clock.systemUTC());
      if (args.get(0).equals("apply")) {
        var applied = applier.apply(migration -> out.println("applied " + migration))
            .toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        out.println("schema up to date: " + schema.migrations().size() + " migrations, " + applied.size()
            + " applied now (keyspaces " + schema.parameters().journalKeyspace() + ", "
            + schema.parameters().snapshotKeyspace() + ", " + schema.parameters().readKeyspace() + ")");
        return 0;
      }
      var pending = applier.pending().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      for (var migration : schema.migrations()) {
        out.println((pending.contains(migration) ? "pending  " : "applied  ") + migration);
      }
      return pending.isEmpty() ? 0 : 1;
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException || e instanceof CompletionException
          ? e.getCause() : e;
      err.println("fleet-controller: schema " + args.get(0) + " failed: " + cause);
      return cause instanceof SchemaMigrations.Problem ? 2 : 1;
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Exiting anyway.
      }
    }
  }
}
