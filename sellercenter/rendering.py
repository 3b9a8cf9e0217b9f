from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every ``{{ field.as_field_group }}`` with the shared label, help text and inline errors."""

    field_template_name = "_partials/field.html"
