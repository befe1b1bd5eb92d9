"""sealpost: real-name parcel posting with sealed personal data (邮件快件实名收寄信息系统)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sealpost")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
