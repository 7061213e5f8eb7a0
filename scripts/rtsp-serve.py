#!/usr/bin/python3
"""Serves an H.264 MP4 over RTSP on 127.0.0.1 for tests and benchmarks.

ffmpeg cannot serve RTSP to a client that asks to play (`-rtsp_flags listen`
makes it the receiving side), so this uses GStreamer's RTSP server through
GObject introspection (Debian: python3-gi gir1.2-gst-rtsp-server-1.0
gstreamer1.0-plugins-{base,good,bad}). The file is sent as it is, without
re-encoding, so the server costs little CPU next to the decoder under test.

    /usr/bin/python3 scripts/rtsp-serve.py --port 8554 --file clip.mp4 [--path /stream]
        [--seconds 60] [--user viewer --password secret]

Binds only to 127.0.0.1 and quits after --seconds, so nothing outlives a test.
Prints "ready rtsp://127.0.0.1:PORT/PATH" once it listens.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", required=True, help="H.264 MP4 to serve")
    parser.add_argument("--path", default="/stream")
    parser.add_argument("--seconds", type=float, default=60, help="quit after this long")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    location = args.file.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )')
    # Every client gets the clip from its start, like a camera that was just plugged in.
    factory.set_shared(False)

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)

    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    GLib.timeout_add(int(args.seconds * 1000), loop.quit)
    print(f"ready rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
