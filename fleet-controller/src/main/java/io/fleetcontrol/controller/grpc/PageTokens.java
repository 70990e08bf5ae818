package io.fleetcontrol.controller.grpc;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque page tokens (AIP-158): where the next page starts, bound to the list and the filters it
 * was issued for, and signed, so a token that was altered, made up, or carried over to another
 * query is refused with INVALID_ARGUMENT instead of giving a wrong page. Every node of a
 * deployment signs with the same configured secret, so a token works on any of them.
 */
public final class PageTokens {

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
  private static final String NOT_OURS = "page_token is not a token this server issued";

  /** A List call's page size when it asks for none (0), and the most it may ask for. */
  public static final int DEFAULT_PAGE_SIZE = 100;
  public static final int MAX_PAGE_SIZE = 1000;

  private final SecretKeySpec key;

  public PageTokens(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("fleet.read-side.page-token-secret must not be empty");
    }
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /** The page size a List call asked for, or the default for 0; out of range is INVALID_ARGUMENT. */
  public static int pageSize(int requested) {
    if (requested < 0 || requested > MAX_PAGE_SIZE) {
      throw InputRules.invalid(
          "page_size must be between 1 and " + MAX_PAGE_SIZE + ", or 0 for the default (got "
              + requested + ")");
    }
    return requested == 0 ? DEFAULT_PAGE_SIZE : requested;
  }

  /** A list request without its paging fields: what a page token is bound to. */
  public static String filtersOf(com.google.protobuf.Message request) {
    var builder = request.toBuilder();
    var fields = request.getDescriptorForType();
    builder.clearField(fields.findFieldByName("page_size"));
    builder.clearField(fields.findFieldByName("page_token"));
    return builder.build().toString();
  }

  /** A token for the page after {@code cursor} of list {@code list} with these filters. */
  public String issue(String list, String filters, String cursor) {
    String body = list + "\n" + digest(filters) + "\n" + cursor;
    return ENCODER.encodeToString(body.getBytes(StandardCharsets.UTF_8)) + "." + ENCODER.encodeToString(sign(body));
  }

  /** The cursor in {@code token}, or null for an empty token (the first page). */
  public String cursor(String token, String list, String filters) {
    if (token.isEmpty()) {
      return null;
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || token.length() > 4096) {
      throw InputRules.invalid(NOT_OURS);
    }
    String body;
    byte[] signature;
    try {
      body = new String(DECODER.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      signature = DECODER.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw InputRules.invalid(NOT_OURS);
    }
    if (!MessageDigest.isEqual(signature, sign(body))) {
      throw InputRules.invalid(NOT_OURS);
    }
    String[] parts = body.split("\n", 3);
    if (parts.length != 3 || !parts[0].equals(list)) {
      throw InputRules.invalid(NOT_OURS);
    }
    if (!parts[1].equals(digest(filters))) {
      throw InputRules.invalid("page_token was issued for other filters; repeat the filters of the first page");
    }
    return parts[2];
  }

  private byte[] sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String digest(String filters) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(filters.getBytes(StandardCharsets.UTF_8));
      return ENCODER.encodeToString(java.util.Arrays.copyOf(hash, 12));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
