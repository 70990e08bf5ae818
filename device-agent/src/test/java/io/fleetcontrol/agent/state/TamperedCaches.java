package io.fleetcontrol.agent.state;

import io.fleetcontrol.proto.agent.v1.AgentCache;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.zip.CRC32C;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Cache files as someone without the agent's key would write them, knowing the format. */
public final class TamperedCaches {

  private TamperedCaches() {}

  /** The cache with its denylist gone and capture allowed everywhere the allowlist does not say. */
  public static AgentCache allowingEverything(AgentCache cache) {
    if (cache.getPolicy().getDenylistCount() == 0) {
      throw new IllegalArgumentException("the cache's policy denies nothing: removing its denylist would prove nothing");
    }
    return cache.toBuilder().setPolicy(cache.getPolicy().toBuilder().clearDenylist()).build();
  }

  /** Today's format, with an HMAC under a key of the writer's own. */
  public static byte[] authenticatedWithAnotherKey(AgentCache cache) throws Exception {
    byte[] magic = "FLEET-AGENT-CACHE-2\n".getBytes(StandardCharsets.US_ASCII);
    byte[] payload = cache.toByteArray();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update(magic);
    mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(payload.length).array());
    byte[] tag = mac.doFinal(payload);
    return ByteBuffer.allocate(magic.length + tag.length + Integer.BYTES + payload.length)
        .put(magic).put(tag).putInt(payload.length).put(payload).array();
  }

  /** The format before the HMAC: a CRC anyone can compute. */
  public static byte[] withChecksumOnly(AgentCache cache) {
    byte[] magic = "FLEET-AGENT-CACHE-1\n".getBytes(StandardCharsets.US_ASCII);
    byte[] payload = cache.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(payload);
    return ByteBuffer.allocate(magic.length + Long.BYTES + Integer.BYTES + payload.length)
        .put(magic).putLong(crc.getValue()).putInt(payload.length).put(payload).array();
  }
}
