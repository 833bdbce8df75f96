import factory

from accounts.models import Block, Membership, Role, Unit, User


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"block-{n}")
    name = factory.Sequence(lambda n: f"Khối {n}")
    order = factory.Sequence(lambda n: n)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    block = factory.SubFactory(BlockFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-thu-nghiem")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.UNIT_STAFF
    unit = factory.SubFactory(UnitFactory)
