package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/agent/install.sh into an empty home: the runnable agent, the command on the PATH, the
 * systemd user unit (checked by systemd-analyze where the machine has it) and a private env file;
 * and its --system mode into a prefix: the system unit that runs the agent as its own account.
 */
class AgentInstallIntegrationTest {

  private static final Path REPO = LocalCassandra.findRepoRoot();

  @TempDir Path home;

  @Test
  void installsARunnableAgentAndAValidUserUnit() throws Exception {
    Result install = run(List.of("bash", REPO.resolve("deploy/agent/install.sh").toString()), Map.of());
    assertEquals(0, install.code, install.output);

    Path command = home.resolve(".local/bin/fleet-agent");
    Result help = run(List.of(command.toString(), "--help"), Map.of());
    assertEquals(0, help.code, help.output);
    assertTrue(help.output.contains("status") && help.output.contains("pause"), help.output);

    Path unit = home.resolve(".config/systemd/user/fleet-agent.service");
    String unitText = Files.readString(unit);
    assertTrue(unitText.contains("ExecStart=%h/.local/share/fleet-agent/bin/fleet-agent run"), unitText);
    assertTrue(unitText.contains("WantedBy=default.target"), unitText);
    assertTrue(Files.isExecutable(home.resolve(".local/share/fleet-agent/bin/fleet-agent")));

    Path env = home.resolve(".config/fleet-agent/agent.env");
    assertEquals(java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(env), "the env file holds the enrollment token");

    if (onPath("systemd-analyze")) {
      Path runtime = Files.createDirectories(home.resolve("runtime"));
      Result verify = run(List.of("systemd-analyze", "verify", "--user", unit.toString()),
          Map.of("XDG_RUNTIME_DIR", runtime.toString()));
      assertEquals(0, verify.code, "systemd-analyze verify: " + verify.output);
      assertTrue(verify.output.isBlank(), "no warnings expected: " + verify.output);
    }
  }

  @Test
  void theSystemModeInstallsAUnitThatRunsTheAgentAsItsOwnUser() throws Exception {
    // Into a prefix, accounts left alone: making system accounts is the root install's job.
    Path root = Files.createDirectories(home.resolve("system"));
    Map<String, String> where = Map.of(
        "FLEET_AGENT_PREFIX", root.resolve("opt").toString(),
        "FLEET_AGENT_ETC", root.resolve("etc").toString(),
        "FLEET_AGENT_UNIT_DIR", root.resolve("units").toString(),
        "FLEET_AGENT_BIN_DIR", root.resolve("bin").toString(),
        "FLEET_AGENT_ACCOUNTS", "skip");
    Result install = run(List.of("bash", REPO.resolve("deploy/agent/install.sh").toString(), "--system"), where);
    assertEquals(0, install.code, install.output);
    assertTrue(install.output.contains("usermod -aG fleet-capture"), install.output);

    Result help = run(List.of(root.resolve("bin/fleet-agent").toString(), "--help"), Map.of());
    assertEquals(0, help.code, help.output);

    Path unit = root.resolve("units/fleet-agent.service");
    String unitText = Files.readString(unit);
    for (String line : List.of("User=fleet-agent", "SupplementaryGroups=fleet-capture", "StateDirectoryMode=0700",
        "Environment=FLEET_AGENT_GATE_GROUP=fleet-capture",
        "Environment=FLEET_AGENT_EMPLOYEE_SOCKET=/run/fleet-agent/employee.sock",
        "ExecStart=" + root.resolve("opt/bin/fleet-agent") + " run",
        "EnvironmentFile=" + root.resolve("etc/agent.env"))) {
      assertTrue(unitText.lines().anyMatch(line::equals), line + " missing from:\n" + unitText);
    }
    Path env = root.resolve("etc/agent.env");
    assertEquals(java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.GROUP_READ), Files.getPosixFilePermissions(env), "the agent's group reads the token");
    assertTrue(Files.readString(env).contains("FLEET_EMPLOYEE_USER="));

    if (onPath("systemd-analyze")) {
      Result verify = run(List.of("systemd-analyze", "verify", unit.toString()), Map.of());
      assertEquals(0, verify.code, "systemd-analyze verify: " + verify.output);
      assertTrue(verify.output.isBlank(), "no warnings expected: " + verify.output);
    }
  }

  private record Result(int code, String output) {}

  private Result run(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("HOME", home.toString());
    builder.environment().remove("XDG_DATA_HOME");
    builder.environment().remove("XDG_CONFIG_HOME");
    builder.environment().putAll(extraEnv);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    return java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
