# Risk assessments: the creation time is indexed once, with its tie-breaker (the list order).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('risk', '0008_assessment_created_id'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalriskassessment',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
    ]
