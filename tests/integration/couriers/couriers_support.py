"""Values shared by the courier tests (a uniquely named module: pytest imports it by its bare name)."""

COURIER_NAME = "欧阳建国"
COURIER_PHONE = "13912345678"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"courier-photo-bytes" * 10
