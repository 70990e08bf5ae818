package io.fleetcontrol.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real single-node Cassandra the project starts itself, through the same
 * {@code deploy/cassandra.sh} the quickstart uses, on ports of its own so a running quickstart
 * does not collide with the tests.
 */
final class LocalCassandra {

  /** -Dit.cassandra.cql-port / storage-port let two checkouts run their tests side by side. */
  static final int CQL_PORT = Integer.getInteger("it.cassandra.cql-port", 19042);
  private static final int STORAGE_PORT = Integer.getInteger("it.cassandra.storage-port", 17000);

  private final Path repoRoot;
  private final Path runDir;

  LocalCassandra() {
    this.repoRoot = findRepoRoot();
    this.runDir = repoRoot.resolve("integration-tests/target/it-run");
  }

  /** Starts from empty data, so every run begins with an empty journal. */
  void startFresh() {
    run("wipe");
    run("start");
  }

  void stop() {
    run("stop");
  }

  /** Starts again on the data it had (after {@link #stop}, an outage); returns once CQL answers. */
  void start() {
    run("start");
  }

  /**
   * A slow disk, or a stalled node, at its worst: the process stops (SIGSTOP) with its sockets open,
   * so every statement waits instead of failing at once. {@link #resume} lets it go on.
   */
  void pause() {
    signal("STOP");
  }

  void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(runDir.resolve("cassandra/cassandra.pid")).trim());
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("no Cassandra pid under " + runDir, e);
    }
    signal(pid, name);
  }

  /** {@code kill -NAME pid}: STOP freezes a process with its sockets open, CONT lets it go on. */
  static void signal(long pid, String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill -" + name + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String contactPoint() {
    return "127.0.0.1:" + CQL_PORT;
  }

  private void run(String verb) {
    ProcessBuilder builder =
        new ProcessBuilder(List.of("bash", repoRoot.resolve("deploy/cassandra.sh").toString(), verb))
            .inheritIO();
    builder.environment().put("FLEET_RUN_DIR", runDir.toString());
    builder.environment().put("CASSANDRA_CQL_PORT", Integer.toString(CQL_PORT));
    builder.environment().put("CASSANDRA_STORAGE_PORT", Integer.toString(STORAGE_PORT));
    try {
      Process process = builder.start();
      if (!process.waitFor(300, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("deploy/cassandra.sh " + verb + " did not finish in 300 s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "deploy/cassandra.sh " + verb + " failed with exit code " + process.exitValue());
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run deploy/cassandra.sh " + verb, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running deploy/cassandra.sh " + verb, e);
    }
  }

  static Path findRepoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("deploy/cassandra.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("deploy/cassandra.sh not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
