"""The ingest fast paths mask exactly as the domain's masking functions do."""

from __future__ import annotations

from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.domain.masking import mask_address, mask_name, mask_phone
from sealpost.services.masked_views import fast_mask_address, fast_mask_name, fast_mask_phone, masked_sender

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ADDRESS_CHARS = st.one_of(
    HAN,
    st.sampled_from(list("省市区县镇乡街道路巷村号楼栋单元室层-#()（）0123456789ABCabc零一二三十百两 ")),
    st.characters(categories=["Nd"]),
    st.characters(),
)


@settings(max_examples=400)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11) | st.text(max_size=20))
def test_phone(phone: str) -> None:
    assert fast_mask_phone(phone) == mask_phone(phone)


@settings(max_examples=400)
@given(
    st.text(alphabet=HAN, min_size=1, max_size=20)
    | st.sampled_from(["欧阳娜娜", "司马光", "李", "诸葛亮", "上官"])
    | st.text()
)
def test_name(name: str) -> None:
    assert fast_mask_name(name) == mask_name(name)


@settings(max_examples=600)
@given(st.text(alphabet=ADDRESS_CHARS, max_size=60))
def test_address(address: str) -> None:
    assert fast_mask_address(address) == mask_address(address)


def test_realistic_data_and_the_sender_cache() -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(5)
    for _ in range(2000):
        name, phone, address = fake.name(), fake.phone_number(), fake.address()
        assert fast_mask_name(name) == mask_name(name)
        assert fast_mask_phone(phone) == mask_phone(phone)
        assert fast_mask_address(address) == mask_address(address)
        expected = {"name": mask_name(name), "phone": mask_phone(phone), "address": mask_address(address)}
        assert masked_sender(name, phone, address) == expected
        assert masked_sender(name, phone, address) == expected
