package io.fleetcontrol.controller;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.schema.SchemaMigrations;
import io.fleetcontrol.controller.schema.SchemaTool;
import io.fleetcontrol.controller.security.ControllerSecurity;

/** Starts one controller node from application.conf (and -D / environment overrides). */
public final class Main {

  /** The appenders logback.xml defines; FLEET_LOG_FORMAT picks one. */
  static final java.util.List<String> LOG_FORMATS = java.util.List.of("plain", "json");

  private Main() {}

  public static void main(String[] args) {
    // Where logback looks for it too: a system property first, then the environment.
    String logFormat = System.getProperty("FLEET_LOG_FORMAT", System.getenv().getOrDefault("FLEET_LOG_FORMAT", "plain"));
    if (!LOG_FORMATS.contains(logFormat)) {
      // logback would send every line to an appender that does not exist: nothing would be logged.
      System.err.println("fleet-controller: FLEET_LOG_FORMAT must be one of " + LOG_FORMATS + ", not \"" + logFormat + "\"");
      System.exit(2);
      return;
    }
    useTheCommonPool();
    if (args.length > 0) {
      if (!args[0].equals("schema")) {
        System.err.println("fleet-controller: unknown command \"" + args[0] + "\"; without one it runs a node\n"
            + SchemaTool.USAGE);
        System.exit(2);
        return;
      }
      System.exit(SchemaTool.run(java.util.List.of(args).subList(1, args.length), ConfigFactory.load(),
          System.out, System.err));
      return;
    }
    FleetController controller;
    try {
      controller = FleetController.start(ConfigFactory.load());
    } catch (ControllerSecurity.Refused | SchemaMigrations.Problem | IllegalArgumentException
        | com.typesafe.config.ConfigException e) {
      // A setting that must change: one line that names it, no stack trace.
      System.err.println("fleet-controller: " + e.getMessage());
      System.exit(2);
      return;
    }
    controller.system().getWhenTerminated().toCompletableFuture().join();
    System.exit(0);
  }

  /**
   * The Cassandra session's futures continue as {@code thenApplyAsync} on the common pool, and with a
   * common-pool parallelism of 1 (the default on 2 cores) the JDK starts a new thread for every such
   * task. Set before anything loads {@code CompletableFuture}; an explicit -D setting wins.
   */
  static void useTheCommonPool() {
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null) {
      System.setProperty(parallelism, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }
}
