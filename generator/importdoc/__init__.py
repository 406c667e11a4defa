"""importdoc"""
