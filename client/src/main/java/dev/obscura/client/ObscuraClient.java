package dev.obscura.client;

import dev.obscura.backend.JavaBackend;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcClient;
import dev.obscura.network.rpc.RpcException;
import dev.obscura.random.Prg;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.FixedPointRangeException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client of the encrypted inference service ({@code obscura serve}): it secret-shares a batch of images between
 * the compute parties, sends each party its share over mutual TLS (one request and one response per party per call,
 * no dealer), and adds the parties' shares of the logits, which only it can do. No compute party alone learns an
 * image or a logit as long as the parties do not collude (semi-honest, non-colluding compute parties).
 *
 * <pre>{@code
 * try (ObscuraClient client = ObscuraClient.connect(new ObscuraClient.Config()
 *         .tls(Path.of("certs/alice.crt"), Path.of("certs/alice.key"), Path.of("certs/ca.crt"))
 *         .party("party-0", "127.0.0.1", 7410)
 *         .party("party-1", "127.0.0.1", 7411))) {
 *     ObscuraClient.Result result = client.classify(images);      // float[n][784], MNIST pixels in [0, 1]
 *     int[] classes = result.predictions();
 * }
 * }</pre>
 *
 * <p>The shares are made with the project's AES-CTR {@link Prg} under a fresh seed from {@link SecureRandom}, which
 * is destroyed after each call; values that fixed point cannot encode are refused here, before anything is sent
 * (the parties see only uniformly random shares, so they cannot check the values). Pure Java: the JDK's TLS and
 * Netty's NIO transport, no native library. Thread-safe: concurrent calls share the connections.
 */
public final class ObscuraClient implements AutoCloseable {
    private final Config config;
    private final Tls tls;
    private final RpcClient[] connections;
    private final SecureRandom random = new SecureRandom();
    private final JavaBackend backend = new JavaBackend();

    private ObscuraClient(final Config config) {
        this.config = config;
        this.tls = Tls.forFiles(config.certificate, config.key, config.ca, TlsProvider.JDK, "client configuration",
            "the client");
        this.connections = new RpcClient[config.parties.size()];
        try {
            for (int p = 0; p < connections.length; p++) {
                connections[p] = open(p);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Connects to every compute party.
     *
     * @throws RpcException when a party cannot be reached or refuses this client's certificate
     */
    public static ObscuraClient connect(final Config config) {
        return new ObscuraClient(config.conclude());
    }

    private RpcClient open(final int p) {
        final Config.Party party = config.parties.get(p);
        return RpcClient.connect(new RpcClient.Context().address(party.host(), party.port())
            .serverName(party.name()).service(InferenceWire.SERVICE).tls(tls)
            .connectTimeout(config.connectTimeout).maxMessageBytes(config.maxMessageBytes));
    }

    /** A connection to party {@code p}, opened again when the last one ended (a restarted party). */
    private synchronized RpcClient connection(final int p) {
        if (connections[p] == null || !connections[p].isOpen()) {
            if (connections[p] != null) {
                connections[p].close();
            }
            connections[p] = null;
            connections[p] = open(p);
        }
        return connections[p];
    }

    /**
     * What the client learned of a batch of images.
     *
     * @param predictions the predicted class of each image (the largest logit)
     * @param logits      the logits of each image
     */
    public record Result(int[] predictions, double[][] logits) {
    }

    /**
     * Classifies {@code images}, each of {@link Config#imageShape} elements (row-major {@code [C, H, W]}), in one
     * request to each party.
     *
     * @throws IllegalArgumentException when an image has the wrong length or a value fixed point cannot encode
     * @throws ObscuraClientException   when a party refuses the request, fails or does not answer in time
     */
    public Result classify(final float[][] images) {
        final int n = images.length;
        final int per = config.imageShape[0] * config.imageShape[1] * config.imageShape[2];
        if (n == 0) {
            throw new IllegalArgumentException("no images to classify");
        }
        final FixedPoint fp = new FixedPoint(config.fracBits);
        final long[] encoded = new long[n * per];
        for (int i = 0; i < n; i++) {
            if (images[i] == null || images[i].length != per) {
                throw new IllegalArgumentException("image " + i + " has " + (images[i] == null ? 0 : images[i].length)
                    + " values, expected " + per + " (" + config.imageShape[0] + "x" + config.imageShape[1] + "x"
                    + config.imageShape[2] + ")");
            }
            for (int j = 0; j < per; j++) {
                try {
                    encoded[i * per + j] = FixedPoint.encode(images[i][j], (long) i * per + j, config.fracBits);
                } catch (FixedPointRangeException e) {
                    throw new IllegalArgumentException("image " + i + ", value " + j + " is outside the fixed-point"
                        + " range (|x| below " + fp.maxMagnitude() + " at f=" + config.fracBits + ", finite)", e);
                }
            }
        }
        final int parties = connections.length;
        final long[][] shares = share(encoded, parties);
        Arrays.fill(encoded, 0);
        final long id = random.nextLong();
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            final byte[] request = InferenceWire.encode(new InferenceWire.Request(id, config.fracBits, n,
                config.imageShape.clone(), shares[p]));
            Arrays.fill(shares[p], 0);
            CompletableFuture<byte[]> call;
            try {
                call = connection(p).call(request, config.timeout);
            } catch (RpcException e) {
                call = CompletableFuture.failedFuture(e);
            }
            calls.add(call);
        }
        long[] sum = null;
        int classes = 0;
        final long deadline = System.nanoTime() + config.timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        ObscuraClientException failure = null;
        for (int p = 0; p < parties; p++) {
            final String name = config.parties.get(p).name();
            try {
                final byte[] bytes = calls.get(p).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                final InferenceWire.Response r = InferenceWire.decodeResponse(bytes, id, n);
                if (sum == null) {
                    sum = new long[r.shares().length];
                    classes = r.classes();
                } else if (r.classes() != classes) {
                    throw new IllegalArgumentException("the parties answered with different numbers of classes");
                }
                for (int k = 0; k < sum.length; k++) {
                    sum[k] += r.shares()[k];
                }
            } catch (ExecutionException e) {
                final Throwable c = e.getCause();
                failure = first(failure, new ObscuraClientException(name + " failed the request: " + c.getMessage(),
                    c));
            } catch (TimeoutException e) {
                failure = first(failure, new ObscuraClientException(name + " did not answer within "
                    + config.timeout.toMillis() + " ms", e));
            } catch (IllegalArgumentException e) {
                failure = first(failure, new ObscuraClientException(name + ": " + e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ObscuraClientException("interrupted while waiting for " + name, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        final double[][] logits = new double[n][classes];
        final int[] predictions = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < classes; k++) {
                logits[i][k] = fp.decode(sum[i * classes + k]);
                if (logits[i][k] > logits[i][predictions[i]]) {
                    predictions[i] = k;
                }
            }
        }
        return new Result(predictions, logits);
    }

    private static ObscuraClientException first(final ObscuraClientException a, final ObscuraClientException b) {
        return a != null ? a : b;
    }

    /**
     * Additive shares of {@code values} modulo 2^64 for {@code parties} parties: all but the last are AES-CTR
     * output under a fresh seed, the last makes the sum.
     */
    private long[][] share(final long[] values, final int parties) {
        final long[][] out = new long[parties][];
        final long[] last = values.clone();
        final Prg prg = Prg.fresh(backend);
        try {
            for (int p = 0; p < parties - 1; p++) {
                // Heap arrays, not tensors: the client needs no off-heap memory and no --add-opens.
                out[p] = new long[values.length];
                prg.fill(out[p]);
                for (int k = 0; k < last.length; k++) {
                    last[k] -= out[p][k];
                }
            }
        } finally {
            prg.destroy();
        }
        out[parties - 1] = last;
        return out;
    }

    /** Closes the connections. Idempotent. */
    @Override
    public synchronized void close() {
        for (int p = 0; p < connections.length; p++) {
            if (connections[p] != null) {
                connections[p].close();
                connections[p] = null;
            }
        }
    }

    @Override
    public String toString() {
        return "ObscuraClient[parties=" + config.parties + "]";
    }

    /** Where the compute parties are and who this client is. */
    public static final class Config {
        /** One compute party: the common name of its certificate and where its service listens. */
        public record Party(String name, String host, int port) {
        }

        final List<Party> parties = new ArrayList<>();
        Path certificate;
        Path key;
        Path ca;
        int fracBits = FixedPoint.DEFAULT_FRAC_BITS;
        int[] imageShape = {1, 28, 28};
        Duration timeout = Duration.ofSeconds(60);
        Duration connectTimeout = Duration.ofSeconds(10);
        long maxMessageBytes = 64L << 20;

        /** This client's certificate and key (PEM, PKCS#8) and the CA that issued the parties' certificates. */
        public Config tls(final Path certificateFile, final Path keyFile, final Path caFile) {
            this.certificate = certificateFile;
            this.key = keyFile;
            this.ca = caFile;
            return this;
        }

        /** Adds a compute party, in party-id order (at least two). */
        public Config party(final String name, final String host, final int port) {
            parties.add(new Party(name, host, port));
            return this;
        }

        /** Fixed-point fractional bits; must equal the deployment's (default 16). */
        public Config fracBits(final int f) {
            this.fracBits = f;
            return this;
        }

        /** One image's shape {@code [C, H, W]} (default MNIST's {@code [1, 28, 28]}). */
        public Config imageShape(final int c, final int h, final int w) {
            this.imageShape = new int[] {c, h, w};
            return this;
        }

        /** The longest a call waits for the parties' answers (default 60 s). */
        public Config timeout(final Duration d) {
            this.timeout = d;
            return this;
        }

        /** The longest connecting to a party may take (default 10 s). */
        public Config connectTimeout(final Duration d) {
            this.connectTimeout = d;
            return this;
        }

        Config conclude() {
            if (parties.size() < 2 || certificate == null || key == null || ca == null) {
                throw new IllegalArgumentException("a client needs at least two compute parties and its TLS files,"
                    + " parties=" + parties.size());
            }
            new FixedPoint(fracBits);
            if (timeout == null || timeout.isNegative() || timeout.isZero() || imageShape[0] < 1
                || imageShape[1] < 1 || imageShape[2] < 1) {
                throw new IllegalArgumentException("need a positive time-out and image shape");
            }
            return this;
        }
    }
}
