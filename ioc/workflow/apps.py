from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "ioc.workflow"
    label = "workflow"
    verbose_name = "Submission, approval, completeness"
