package io.fleetcontrol.controller;

import com.typesafe.config.Config;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/** Admin bearer tokens and their roles, from {@code fleet.admin-tokens}. */
final class AdminTokens {

  /** Ordered: each role may do what the ones before it may. */
  enum Role { VIEWER, OPERATOR, APPROVER, ADMIN }

  /** Who is calling: the name goes into the journal and audit as the author of a change. */
  record Caller(String name, Role role) {}

  private final Map<String, Caller> callers;

  AdminTokens(Map<String, Caller> callers) {
    this.callers = Map.copyOf(callers);
  }

  /** {@code "token" = { name = "ana", role = approver }} for each token. */
  static AdminTokens fromConfig(Config tokens) {
    Map<String, Caller> callers = new HashMap<>();
    tokens.root().keySet().forEach(token -> {
      Config entry = tokens.getConfig("\"" + token + "\"");
      callers.put(token, new Caller(entry.getString("name"),
          Role.valueOf(entry.getString("role").toUpperCase(Locale.ROOT))));
    });
    return new AdminTokens(callers);
  }

  Caller require(Metadata metadata, Role needed) {
    String token =
        AgentServiceImpl.bearer(metadata)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata authorization: Bearer <admin token> is required")));
    byte[] given = token.getBytes(StandardCharsets.UTF_8);
    Caller caller =
        callers.entrySet().stream()
            .filter(e -> MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.UTF_8), given))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription("the admin token is not valid")));
    if (caller.role().compareTo(needed) < 0) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "role " + caller.role().name().toLowerCase(Locale.ROOT) + " may not do this; it needs "
                  + needed.name().toLowerCase(Locale.ROOT)));
    }
    return caller;
  }
}
