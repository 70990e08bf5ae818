package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetcontrol.build.BuildInfo;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.GetServerInfoRequest;
import io.fleetcontrol.proto.v1.GetServerInfoResponse;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fleetctl version}, as {@code kubectl version}: fleetctl's build, then the server's
 * (GetServerInfo). When the server cannot answer, fleetctl's own version is still printed, and
 * the failure goes to stderr with its exit code as for any command.
 */
@Command(name = "version",
    description = {"Show fleetctl's version and the server's: its version, API, node and start time.",
        "The server is the node that answered: through a load balancer, during a rolling upgrade,",
        "the next call may reach another node, of another version."})
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  @Option(names = "--client", description = "Only fleetctl's own version; the server is not called.")
  boolean clientOnly;

  @Override
  public Integer call() {
    Fleetctl fleetctl = Fleetctl.of(spec);
    BuildInfo client = BuildInfo.current();
    GetServerInfoResponse server = null;
    RuntimeException failed = null;
    if (!clientOnly) {
      try {
        server = serverInfo(fleetctl.connection());
      } catch (RuntimeException e) {
        failed = e;
      }
    }
    OutputFormat format = fleetctl.options().output;
    if (format == OutputFormat.table) {
      printTable(fleetctl.out(), client, server);
    } else {
      ObjectNode document = JsonNodeFactory.instance.objectNode();
      document.putObject("client").put("version", client.version()).put("api_version", client.apiVersion());
      if (server != null) {
        document.set("server", StructuredOutput.tree(server));
      }
      StructuredOutput.print(fleetctl.out(), format, document);
    }
    if (failed != null) {
      // Fleetctl reports it as every command's failure: one line on stderr, and its exit code.
      throw failed;
    }
    return ExitCodes.OK;
  }

  private static GetServerInfoResponse serverInfo(AdminConnection connection) {
    try {
      return connection.call(AdminServiceClient::getServerInfo, GetServerInfoRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      Throwable answer = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (answer instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        // The first upgrade to a build with `fleetctl version` meets nodes built before it.
        throw Status.UNIMPLEMENTED.withDescription("server " + connection.server() + " does not serve GetServerInfo: "
            + "it runs a controller built before `fleetctl version` existed").asRuntimeException();
      }
      throw e;
    }
  }

  private static void printTable(PrintWriter out, BuildInfo client, GetServerInfoResponse server) {
    out.println("Client Version:  " + client.version() + " (API " + client.apiVersion() + ")");
    if (server == null) {
      return;
    }
    out.println("Server Version:  " + server.getVersion() + " (API " + server.getApiVersion() + ")");
    out.println("Server Node:     " + server.getNodeAddress());
    if (server.hasStartTime()) {
      Instant started = WireTime.fromProto(server.getStartTime());
      out.println("Server Started:  " + started + " (" + RelativeTime.ago(started, Instant.now()) + ")");
    }
    out.println("Server Java:     " + server.getJavaVersion());
  }
}
