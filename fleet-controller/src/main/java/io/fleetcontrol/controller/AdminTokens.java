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

  private final Map<String, Role> roles;

  AdminTokens(Map<String, Role> roles) {
    this.roles = Map.copyOf(roles);
  }

  static AdminTokens fromConfig(Config tokens) {
    Map<String, Role> roles = new HashMap<>();
    tokens.root().keySet().forEach(
        token -> roles.put(token, Role.valueOf(tokens.getString("\"" + token + "\"").toUpperCase(Locale.ROOT))));
    return new AdminTokens(roles);
  }

  Role require(Metadata metadata, Role needed) {
    String token =
        AgentServiceImpl.bearer(metadata)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata authorization: Bearer <admin token> is required")));
    byte[] given = token.getBytes(StandardCharsets.UTF_8);
    Role role =
        roles.entrySet().stream()
            .filter(e -> MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.UTF_8), given))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription("the admin token is not valid")));
    if (role.compareTo(needed) < 0) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "role " + role.name().toLowerCase(Locale.ROOT) + " may not do this; it needs "
                  + needed.name().toLowerCase(Locale.ROOT)));
    }
    return role;
  }
}
