package io.fleetcontrol.controller.security;


import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.device.DeviceCredential;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/**
 * Admin identities: bearer tokens known by their SHA-256 only, each with a name and a role. Roles
 * are sets of permissions, not a ladder: an approver (HR) decides exemptions but pushes no policy,
 * an operator rolls out policies but does not read what employees wrote.
 */
public final class AdminTokens {

  public enum Permission {
    /** Fleet, devices, policies, rollouts, audit: without employees' free text. */
    READ,
    /** Employees' comments on exemption requests (the audit trail never holds them). */
    READ_EMPLOYEE_TEXT,
    /** Create and update policies, assign them, run rollouts. */
    MANAGE_POLICIES,
    /** Approve, deny and revoke exemptions. */
    DECIDE_EXEMPTIONS,
    /** Who may be a device: enrollment tokens, device reset and revoke. */
    MANAGE_IDENTITIES
  }

  public enum Role {
    VIEWER(EnumSet.of(Permission.READ)),
    OPERATOR(EnumSet.of(Permission.READ, Permission.MANAGE_POLICIES)),
    APPROVER(EnumSet.of(Permission.READ, Permission.READ_EMPLOYEE_TEXT, Permission.DECIDE_EXEMPTIONS)),
    ADMIN(EnumSet.allOf(Permission.class));

    private final Set<Permission> permissions;

    Role(Set<Permission> permissions) {
      this.permissions = permissions;
    }

    boolean may(Permission permission) {
      return permissions.contains(permission);
    }

    String lowerName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Who is calling: the name goes into the journal and audit as the author of a change. */
  public record Caller(String name, Role role) {
    public boolean may(Permission permission) {
      return role.may(permission);
    }
  }

  private final Map<String, Caller> callersByTokenHash;

  public AdminTokens(Map<String, Caller> callersByTokenHash) {
    this.callersByTokenHash = Map.copyOf(callersByTokenHash);
  }

  /** Token hashes of the dev profile's tokens ("dev-admin-token", ...): public, so dev mode only. */
  static final Set<String> DEV_TOKEN_HASHES = Set.of(
      DeviceCredential.hashSecret("dev-admin-token"), DeviceCredential.hashSecret("dev-operator-token"),
      DeviceCredential.hashSecret("dev-approver-token"), DeviceCredential.hashSecret("dev-viewer-token"));

  /**
   * {@code fleet.admin-tokens} (a list), the file {@code fleet.admin-tokens-file} (its
   * {@code admins} list) and {@code fleet.admin-tokens-inline} ("name:role:sha256,...").
   */
  public static AdminTokens fromConfig(Config fleet) {
    Map<String, Caller> callers = new HashMap<>();
    addAll(callers, fleet.getConfigList("admin-tokens"), "fleet.admin-tokens");
    String file = fleet.getString("admin-tokens-file");
    if (!file.isBlank()) {
      Path path = Path.of(file);
      if (!Files.isReadable(path)) {
        throw new IllegalArgumentException("fleet.admin-tokens-file: cannot read " + path);
      }
      try {
        addAll(callers, ConfigFactory.parseFile(path.toFile()).getConfigList("admins"), path.toString());
      } catch (ConfigException e) {
        throw new IllegalArgumentException("fleet.admin-tokens-file " + path + ": " + e.getMessage(), e);
      }
    }
    String inline = fleet.getString("admin-tokens-inline");
    for (String entry : inline.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.trim().split(":");
      if (parts.length != 3) {
        throw new IllegalArgumentException("FLEET_ADMIN_TOKENS: expected name:role:sha256hex, got \""
            + entry.trim().replaceAll(":[0-9a-fA-F]{64}$", ":…") + "\"");
      }
      add(callers, parts[0], parts[1], parts[2], "FLEET_ADMIN_TOKENS");
    }
    return new AdminTokens(callers);
  }

  private static void addAll(Map<String, Caller> callers, List<? extends Config> entries, String source) {
    for (Config entry : entries) {
      try {
        add(callers, entry.getString("name"), entry.getString("role"), entry.getString("token-sha256"), source);
      } catch (ConfigException e) {
        throw new IllegalArgumentException(source + ": each admin needs name, role and token-sha256 (" + e.getMessage() + ")", e);
      }
    }
  }

  private static void add(Map<String, Caller> callers, String name, String role, String sha256, String source) {
    if (!sha256.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(source + ": token-sha256 of " + name + " must be 64 hex digits");
    }
    Role parsed;
    try {
      parsed = Role.valueOf(role.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": role of " + name + " must be viewer, operator, approver or admin, got " + role);
    }
    callers.put(sha256.toLowerCase(Locale.ROOT), new Caller(name.trim(), parsed));
  }

  boolean isEmpty() {
    return callersByTokenHash.isEmpty();
  }

  /** Names of the identities whose token is a public dev token. */
  List<String> devIdentities() {
    List<String> names = new ArrayList<>();
    callersByTokenHash.forEach((hash, caller) -> {
      if (DEV_TOKEN_HASHES.contains(hash)) {
        names.add(caller.name());
      }
    });
    return names;
  }

  /** The caller, if its token is known and its role has {@code needed}. */
  public Caller require(Metadata metadata, Permission needed) {
    return requirePermission(authenticate(metadata), needed);
  }

  /** The caller its token names, whatever it may do. */
  public Caller authenticate(Metadata metadata) {
    String token =
        AgentAuth.bearer(metadata)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata authorization: Bearer <admin token> is required")));
    return authenticate(token);
  }

  /** The caller {@code token} names, whatever it may do. */
  public Caller authenticate(String token) {
    // Looked up by hash: the map never holds a token, and a lookup by hash leaks nothing of one.
    return byTokenHash(DeviceCredential.hashSecret(token)).orElseThrow(
        () -> new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("the admin token is not valid")));
  }

  /** The caller whose token has this SHA-256 (hex), while that token is still configured. */
  public java.util.Optional<Caller> byTokenHash(String sha256) {
    return java.util.Optional.ofNullable(callersByTokenHash.get(sha256.toLowerCase(Locale.ROOT)));
  }

  /** What {@code caller} may do, for a page that shows only the buttons it may press. */
  public static Set<Permission> permissionsOf(Caller caller) {
    return Set.copyOf(caller.role().permissions);
  }

  /** {@code caller}, if its role has {@code needed}. */
  public static Caller requirePermission(Caller caller, Permission needed) {
    if (!caller.may(needed)) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "role " + caller.role().lowerName() + " may not do this; it needs the permission "
                  + needed.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    }
    return caller;
  }
}
