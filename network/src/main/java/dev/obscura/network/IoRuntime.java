package dev.obscura.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.lang.System.Logger.Level;
import org.agrona.UnsafeApi;

/**
 * What Netty can do in this JVM: epoll (native) or NIO sockets, and whether off-heap tensor memory can be handed to
 * the TLS layer without a copy. Netty needs {@code -Dio.netty.tryReflectionSetAccessible=true} (with
 * {@code --add-opens java.base/java.nio=ALL-UNNAMED}) to wrap a raw address in a {@link java.nio.ByteBuffer}; this
 * class sets the property before Netty first initialises, unless the JVM was started with it. Without it, each send
 * copies its tensors once more, and one log line says so. Shared by the transport and the RPC services.
 */
public final class IoRuntime {
    private static final System.Logger LOG = System.getLogger(IoRuntime.class.getName());
    private static final String REFLECTION_PROPERTY = "io.netty.tryReflectionSetAccessible";

    static {
        if (System.getProperty(REFLECTION_PROPERTY) == null) {
            System.setProperty(REFLECTION_PROPERTY, "true");
        }
    }

    /** Whether a tensor's memory can be wrapped (no copy on send). */
    static final boolean ZERO_COPY = probeWrap();
    /** Whether the epoll transport loaded. */
    static final boolean EPOLL = Epoll.isAvailable();

    private IoRuntime() {
    }

    private static boolean probeWrap() {
        final long address;
        try {
            address = UnsafeApi.allocateMemory(8);
        } catch (IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError e) {
            // A JVM without the project's --add-opens (an application that embeds only the RPC client): no off-heap
            // tensors are sent there, so the copy path costs nothing.
            LOG.log(Level.DEBUG, "transport: no off-heap access (" + e + "), tensors would be copied on send");
            return false;
        }
        try {
            final ByteBuf b = Unpooled.wrappedBuffer(address, 8, false);
            b.nioBuffer();
            b.release();
            return true;
        } catch (UnsupportedOperationException | IllegalStateException e) {
            LOG.log(Level.INFO, "transport: tensors are copied once more on send (Netty cannot wrap off-heap memory:"
                + " start the JVM with -D" + REFLECTION_PROPERTY + "=true and --add-opens"
                + " java.base/java.nio=ALL-UNNAMED): " + e.getMessage());
            return false;
        } finally {
            UnsafeApi.freeMemory(address);
        }
    }

    /** The I/O handlers of event loops: epoll where it loaded, else NIO. */
    public static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** The client socket channel class that goes with {@link #ioHandlerFactory()}. */
    public static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The listening socket channel class that goes with {@link #ioHandlerFactory()}. */
    public static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** {@code "epoll"} or {@code "nio"}. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
