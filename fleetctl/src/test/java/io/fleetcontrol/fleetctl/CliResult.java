package io.fleetcontrol.fleetctl;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One fleetctl invocation as a shell sees it: exit code, stdout, stderr. */
record CliResult(int exitCode, String out, String err) {

  /** In this process's environment plus FLEET_PLAINTEXT=true: the fakes speak h2c unless a test says TLS. */
  static CliResult run(String... args) {
    return run(plaintext(System.getenv()), args);
  }

  /** In exactly the environment {@code env}. */
  static CliResult run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode = Fleetctl.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), env);
    return new CliResult(exitCode, out.toString(UTF_8), err.toString(UTF_8));
  }

  /** {@code env} with FLEET_PLAINTEXT=true added. */
  static Map<String, String> plaintext(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("FLEET_PLAINTEXT", "true");
    return all;
  }

  /** fleetctl against {@code server} with no token, as FleetctlTest calls it. */
  static CliResult against(FakeAdminServer server, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "--server";
    all[1] = server.address();
    all[2] = "--token=";
    System.arraycopy(args, 0, all, 3, args.length);
    return run(all);
  }

  List<String> errLines() {
    return err.lines().toList();
  }
}
