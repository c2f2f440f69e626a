"""Load the demo organisations, one user per role and every stage of the chain; print the logins and the
certificates a visitor can verify on the public page."""

from django.core.management.base import BaseCommand

from filing.demo import DEMO_PASSWORD, seed_demo
from workflows.demo import demo_certificates, demo_holder, seed_scenarios


class Command(BaseCommand):
    help = "Create demo colleges, an enterprise, majors, one user per role and every stage (idempotent)."

    def handle(self, *args, **options):
        logins = seed_demo()
        for line in seed_scenarios():
            self.stdout.write(f"演示数据: {line}")
        self.stdout.write(f"演示账号 / demo logins (password: {DEMO_PASSWORD})")
        for username, role, where in logins:
            self.stdout.write(f"  {username:<18} {role}  [{where}]")
        certificates = demo_certificates()
        if certificates:
            self.stdout.write("可在 /verify/ 查验的证书（证书编号 + 姓名）/ certificates to verify:")
            for number, holder, state in certificates:
                self.stdout.write(f"  {number}  {holder}  [{state}]")
        holder = demo_holder()
        if holder:
            name, number, contact = holder
            self.stdout.write("持证人自助查询 /holder/（验证码以邮件形式打印在运行 make run 的终端）:")
            self.stdout.write(f"  姓名 {name}  证件号码 {number}  联系方式 {contact}")
            self.stdout.write(
                "离线验证电子证照: /.well-known/jwks.json 与 /credentials/status/1/（docs/verification.md）"
            )
