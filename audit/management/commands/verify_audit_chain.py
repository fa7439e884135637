"""Check every audit hash chain and report edited, deleted or reordered events."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify
from audit.models import AuditChain, AuditEvent


class Command(BaseCommand):
    help = "Verify the audit hash chain of every organization (or one); exit with status 1 on any break."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Verify only this organization id.")

    def handle(self, *args, organization=None, **options):
        if organization:
            organization_ids = [organization]
        else:
            from_events = set(AuditEvent.objects.values_list("organization_id", flat=True).distinct())
            from_chains = {
                key.removeprefix("org:")
                for key in AuditChain.objects.filter(key__startswith="org:").values_list("key", flat=True)
            }
            organization_ids = sorted({str(value) for value in from_events if value} | from_chains) + [None]

        broken = 0
        for organization_id in organization_ids:
            name = organization_id or "platform (no organization)"
            problems = verify(organization_id)
            if problems:
                broken += 1
                self.stdout.write(self.style.ERROR(f"chain {name}: {len(problems)} problem(s)"))
                for problem in problems:
                    self.stdout.write(f"  {problem}")
            else:
                self.stdout.write(f"chain {name}: intact")
        if broken:
            raise CommandError(f"{broken} of {len(organization_ids)} audit chains are broken.")
        self.stdout.write(self.style.SUCCESS(f"All {len(organization_ids)} audit chains are intact."))
