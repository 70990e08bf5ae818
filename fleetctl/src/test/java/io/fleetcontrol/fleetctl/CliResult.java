package io.fleetcontrol.fleetctl;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

/** One fleetctl invocation as a shell sees it: exit code, stdout, stderr. */
record CliResult(int exitCode, String out, String err) {

  static CliResult run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode = Fleetctl.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    return new CliResult(exitCode, out.toString(UTF_8), err.toString(UTF_8));
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
