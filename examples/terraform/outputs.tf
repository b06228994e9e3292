output "image_id" {
  description = "The AMI the group launches."
  value       = local.image_id
}

output "launch_template_id" {
  value = aws_launch_template.this.id
}

output "group_name" {
  value = aws_autoscaling_group.this.name
}
