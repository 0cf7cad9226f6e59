package dev.obscura.network.rpc;

import dev.obscura.network.IoRuntime;
import dev.obscura.network.Tls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A TLS client that writes whatever bytes a test forges, and notices the welcome and the close. */
final class RawTlsClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final CompletableFuture<Void> welcome = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private RawTlsClient(final InetSocketAddress address, final Tls tls) {
        group = new MultiThreadIoEventLoopGroup(1, IoRuntime.ioHandlerFactory());
        final Bootstrap b = new Bootstrap().group(group).channel(IoRuntime.socketChannel())
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    ch.pipeline().addLast(tls.client().newHandler(ch.alloc(), address.getHostString(),
                        address.getPort())).addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
                                final ByteBuf in = (ByteBuf) msg;
                                if (in.readableBytes() >= RpcFrameDescriptor.HEADER_LENGTH
                                    && in.getByte(in.readerIndex() + RpcFrameDescriptor.TYPE_OFFSET)
                                    == RpcFrameDescriptor.TYPE_WELCOME) {
                                    welcome.complete(null);
                                }
                                in.release();
                            }

                            @Override
                            public void channelInactive(final ChannelHandlerContext ctx) {
                                closed.complete(null);
                            }

                            @Override
                            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
                                ctx.close();
                            }
                        });
                }
            });
        channel = b.connect(address).syncUninterruptibly().channel();
    }

    static RawTlsClient connect(final InetSocketAddress address, final Tls tls) {
        return new RawTlsClient(address, tls);
    }

    void awaitWelcome(final Duration wait) throws Exception {
        welcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    void send(final ByteBuf bytes) {
        channel.writeAndFlush(bytes);
    }

    boolean awaitClosed(final Duration wait) {
        try {
            closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2000);
        group.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS).awaitUninterruptibly(5000);
    }
}
